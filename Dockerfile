# One image for every Dropflow deployment; the command chooses the role.
FROM swift:6.1-noble AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product dropflow && cp "$(swift build -c release --show-bin-path)/dropflow" /usr/local/bin/dropflow

FROM swift:6.1-noble-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/dropflow /usr/local/bin/dropflow
COPY contract /app/contract
COPY models /usr/share/dropflow/models
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["dropflow"]
