#ifndef DROPFLOW_CRDKAFKA_SHIM_H
#define DROPFLOW_CRDKAFKA_SHIM_H

/*
 * librdkafka for Swift. Only the librdkafka 2.0 API is used here, so the
 * package compiles against Debian 12's librdkafka-dev (2.0.2) as well as the
 * 2.8 that scripts/setup.sh builds.
 *
 * Swift cannot call C variadic functions (rd_kafka_producev, ...), nor build
 * rd_kafka_vu_t unions comfortably: the small static inline helpers below do.
 */
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Kafka protocol ApiKeys used to inject errors into the mock cluster
 * (not in an installed header). */
enum {
    DROPFLOW_KAFKA_API_PRODUCE = 0,
    DROPFLOW_KAFKA_API_FETCH = 1,
    DROPFLOW_KAFKA_API_LIST_OFFSETS = 2,
    DROPFLOW_KAFKA_API_METADATA = 3,
    DROPFLOW_KAFKA_API_OFFSET_COMMIT = 8,
    DROPFLOW_KAFKA_API_OFFSET_FETCH = 9,
    DROPFLOW_KAFKA_API_FIND_COORDINATOR = 10,
    DROPFLOW_KAFKA_API_JOIN_GROUP = 11,
    DROPFLOW_KAFKA_API_HEARTBEAT = 12,
    DROPFLOW_KAFKA_API_SYNC_GROUP = 14,
    DROPFLOW_KAFKA_API_INIT_PRODUCER_ID = 22,
};

/* Produce one message, copying key and value. `headers` (may be NULL) is
 * owned by librdkafka on success and must be destroyed by the caller on
 * failure. `key`/`value` NULL mean a null key/value (a tombstone). */
static inline rd_kafka_error_t *dropflow_produce(rd_kafka_t *rk, const char *topic,
                                                 int32_t partition, const void *key,
                                                 size_t key_len, const void *value,
                                                 size_t value_len,
                                                 rd_kafka_headers_t *headers,
                                                 int64_t timestamp_ms, void *opaque) {
    rd_kafka_vu_t vus[8];
    size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[n++].u.cstr = topic;
    vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    vus[n++].u.i32 = partition;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
    vus[n].vtype = RD_KAFKA_VTYPE_KEY;
    vus[n].u.mem.ptr = (void *)key;
    vus[n++].u.mem.size = key_len;
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[n].u.mem.ptr = (void *)value;
    vus[n++].u.mem.size = value_len;
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vus[n++].u.ptr = opaque;
    if (headers) {
        vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
        vus[n++].u.headers = headers;
    }
    if (timestamp_ms > 0) {
        vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        vus[n++].u.i64 = timestamp_ms;
    }
    return rd_kafka_produceva(rk, vus, n);
}

/* The RD_KAFKA_OFFSET_* macros are not imported as Swift constants on every
 * toolchain; expose them as functions. */
static inline int64_t dropflow_offset_beginning(void) { return RD_KAFKA_OFFSET_BEGINNING; }
static inline int64_t dropflow_offset_end(void) { return RD_KAFKA_OFFSET_END; }
static inline int64_t dropflow_offset_stored(void) { return RD_KAFKA_OFFSET_STORED; }
static inline int64_t dropflow_offset_invalid(void) { return RD_KAFKA_OFFSET_INVALID; }
static inline int32_t dropflow_partition_ua(void) { return RD_KAFKA_PARTITION_UA; }

#endif
