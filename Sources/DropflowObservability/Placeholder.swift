// placeholder until the observability module lands
