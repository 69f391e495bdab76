/**
 * The largest OTLP export the receivers take, traces and logs alike: exporters batch up to 512
 * spans or lines, and JSON with attributes is a few hundred bytes each.
 */
export const EXPORT_BODY_LIMIT = 16 * 1024 * 1024;
