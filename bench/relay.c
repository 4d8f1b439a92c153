/*
 * relay: a raw librdkafka consume-and-produce relay, the baseline of
 * `dropflow bench-chain`. Copies every message (key, value, headers) of
 * <in-topic> to <out-topic> as a member of consumer group <group>.
 *
 *   relay <brokers> <group> <in-topic> <out-topic>
 *
 * A message's offset is stored once its copy is handed to the producer (not
 * once it is acknowledged: at-most-once-ish, which is fine for a benchmark);
 * stored offsets are committed by librdkafka's auto-commit timer and at exit.
 * SIGTERM or SIGINT stops it: flush the producer, commit, leave the group.
 *
 * Build: gcc -O2 bench/relay.c -o .build-bench/relay $(pkg-config --cflags --libs rdkafka)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>

static volatile sig_atomic_t running = 1;
static void on_signal(int sig) { (void)sig; running = 0; }

static long delivery_failures = 0;

/* Delivery report (served by rd_kafka_poll on the producer): count failures. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err && delivery_failures++ < 10)
        fprintf(stderr, "relay: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

/* Sets one property or exits. */
static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "relay: %s=%s: %s\n", name, value, err);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s <brokers> <group> <in-topic> <out-topic>\n", argv[0]);
        return 2;
    }
    const char *brokers = argv[1], *group = argv[2], *in_topic = argv[3], *out_topic = argv[4];
    char err[512];

    /* Producer: idempotent, 5 ms linger (the same as the Swift runtime's). */
    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    set(pconf, "bootstrap.servers", brokers);
    set(pconf, "enable.idempotence", "true");
    set(pconf, "linger.ms", "5");
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    if (!producer) { fprintf(stderr, "relay: producer: %s\n", err); return 1; }

    /* Consumer: a group member; offsets are stored by hand, committed by the timer. */
    rd_kafka_conf_t *cconf = rd_kafka_conf_new();
    set(cconf, "bootstrap.servers", brokers);
    set(cconf, "group.id", group);
    set(cconf, "auto.offset.reset", "earliest");
    set(cconf, "session.timeout.ms", "6000");
    set(cconf, "max.poll.interval.ms", "6000");
    set(cconf, "enable.auto.offset.store", "false");
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
    if (!consumer) { fprintf(stderr, "relay: consumer: %s\n", err); return 1; }
    rd_kafka_poll_set_consumer(consumer);

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, in_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) { fprintf(stderr, "relay: subscribe %s: %s\n", in_topic, rd_kafka_err2str(e)); return 1; }

    /* Stop on SIGTERM/SIGINT. A parent may start us with them blocked (a process
     * spawned from a Swift/libdispatch worker thread inherits its blocked mask),
     * so unblock them too. librdkafka's own threads keep them blocked. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);

    while (running) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
        rd_kafka_poll(producer, 0); /* serve delivery reports */
        if (!m) continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "relay: consume: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        /* The copy gets its own headers (producev takes ownership on success). */
        rd_kafka_headers_t *hdrs = NULL, *copy = NULL;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) copy = rd_kafka_headers_copy(hdrs);
        for (;;) {
            e = rd_kafka_producev(producer,
                                  RD_KAFKA_V_TOPIC(out_topic),
                                  RD_KAFKA_V_KEY(m->key, m->key_len),
                                  RD_KAFKA_V_VALUE(m->payload, m->len),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADERS(copy),
                                  RD_KAFKA_V_END);
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || !running) break;
            rd_kafka_poll(producer, 10); /* queue full: wait for acknowledgements */
        }
        if (e) {
            fprintf(stderr, "relay: produce to %s: %s\n", out_topic, rd_kafka_err2str(e));
            if (copy) rd_kafka_headers_destroy(copy);
        }
        rd_kafka_offset_store_message(m); /* done with it: commit past it */
        rd_kafka_message_destroy(m);
    }

    /* Clean stop: every copy acknowledged, stored offsets committed, group left. */
    if (rd_kafka_flush(producer, 10000)) fprintf(stderr, "relay: flush: messages left unacknowledged\n");
    e = rd_kafka_commit(consumer, NULL, 0);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) fprintf(stderr, "relay: commit: %s\n", rd_kafka_err2str(e));
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    return delivery_failures ? 1 : 0;
}
