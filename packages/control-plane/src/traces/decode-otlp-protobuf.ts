// The OpenTelemetry JS project's own generated protobufjs code for the OTLP messages: the decoder
// that matches what its exporters encode, rather than a hand-written one. Its typings only say
// `Root`, hence the narrow interface below.

import { FlotillaError } from '@flotilla/kit/errors';
import generated from '@opentelemetry/otlp-transformer/build/src/generated/root.js';

interface MessageType {
  decode(buffer: Uint8Array): unknown;
  toObject(message: unknown, options: { longs: StringConstructor; arrays: boolean }): unknown;
}

const ExportTraceServiceRequest = (
  generated as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: MessageType } } } } };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** An `application/x-protobuf` ExportTraceServiceRequest as a plain object (int64 as strings). */
export function decodeOtlpProtobuf(body: Uint8Array): unknown {
  let message: unknown;
  try {
    message = ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw new FlotillaError('BAD_REQUEST', {
      detail: `not an OTLP protobuf trace export: ${(error as Error).message}`,
    });
  }
  return ExportTraceServiceRequest.toObject(message, { longs: String, arrays: true });
}
