/**
 * Worker side of the remote hardware (see `usim-remote.ts`): plugs the readers of
 * `workerData.spec`, then runs every USB call the main thread forwards on the right
 * emulated device and posts the outcome back.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { isCcidError } from '../../src/errors.ts';
import type { UsbDevice, UsbInTransferResult, UsbOutTransferResult } from '../../src/usb/transport.ts';
import { countersOf, plugReaders } from './usim-hardware.ts';
import type { HardwareSpec } from './usim-hardware.ts';
import type { DeviceInfo, ToMain, ToWorker, WireResult } from './usim-remote.ts';

const port = parentPort!;
const readers = plugReaders((workerData as { spec: HardwareSpec }).spec);

function wire(result: UsbInTransferResult | UsbOutTransferResult | undefined): WireResult {
  if (result === undefined) return {};
  if ('bytesWritten' in result) return { status: result.status, bytesWritten: result.bytesWritten };
  const view = result.data;
  return { status: result.status, data: view === undefined ? undefined : new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength)) };
}

function call(device: UsbDevice, op: string, args: readonly unknown[]): Promise<UsbInTransferResult | UsbOutTransferResult | undefined> {
  const method = (device as unknown as Record<string, (...a: unknown[]) => Promise<UsbInTransferResult | UsbOutTransferResult | undefined>>)[op];
  if (typeof method !== 'function') return Promise.reject(new Error(`no USB operation ${op}`));
  return method.apply(device, args as unknown[]);
}

function reply(message: ToMain): void {
  const transfer = message.kind === 'reply' && message.ok && message.value instanceof Object && 'data' in message.value && message.value.data instanceof Uint8Array ? [message.value.data.buffer] : [];
  port.postMessage(message, transfer as ArrayBuffer[]);
}

port.on('message', (m: ToWorker) => {
  switch (m.kind) {
    case 'call':
      call(readers[m.reader]!.device, m.op, m.args).then(
        (result) => reply({ kind: 'reply', id: m.id, ok: true, value: wire(result) }),
        (error: unknown) =>
          reply({
            kind: 'reply',
            id: m.id,
            ok: false,
            error: { name: error instanceof Error ? error.name : 'Error', code: isCcidError(error) ? error.code : undefined, message: error instanceof Error ? error.message : String(error) },
          }),
      );
      return;
    case 'counters':
      reply({ kind: 'reply', id: m.id, ok: true, value: { ...countersOf(readers), activeMs: performance.eventLoopUtilization().active } });
      return;
    case 'link':
      reply({ kind: 'reply', id: m.id, ok: true, value: readers[m.reader]!.slots[m.slot]!.link });
      return;
  }
});

const devices: DeviceInfo[] = readers.map((r) => ({
  vendorId: r.device.vendorId,
  productId: r.device.productId,
  manufacturerName: r.device.manufacturerName,
  productName: r.device.productName,
  serialNumber: r.device.serialNumber,
}));
port.postMessage({ kind: 'ready', devices } satisfies ToMain);
