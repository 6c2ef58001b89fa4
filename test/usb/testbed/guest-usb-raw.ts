/**
 * Runs INSIDE the test-bed guest: the per-transfer cost of the two npm `usb` lines on the
 * same gadget, with no driver layer at all (a minimal direct exchange, as the reference
 * measurements did): PowerOn slot 0, SELECT EF ICCID, then N × XfrBlock READ BINARY, one
 * at a time.
 *
 *   node guest-usb-raw.js v3 [--apdus N] [--vid-pid V:P]          # npm usb 3.x (nusb), WebUSB API
 *   node guest-usb-raw.js v2 [--apdus N] [--vid-pid V:P]          # npm usb 2.x (libusb, the usb-libusb alias), legacy API
 *
 * `--interrupt` keeps an interrupt-IN read pending throughout, as a driver does (v2 only).
 *
 * Prints `RESULT raw-usbN ms=...` (ms per exchange); exit status 0 when every answer was 90 00.
 */
const args = process.argv.slice(2);
const line = args[0];
function option(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
const apdus = Number(option('--apdus', '100'));
const [vid, pid] = option('--vid-pid', '1d50:6141').split(':').map((x) => parseInt(x, 16)) as [number, number];

/** Sends one bulk-OUT message, returns the next bulk-IN transfer. */
type Exchange = (message: Uint8Array) => Promise<Uint8Array>;

interface V3Device {
  open(): Promise<void>;
  close(): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  transferOut(ep: number, data: Uint8Array, timeout?: number): Promise<unknown>;
  transferIn(ep: number, length: number, timeout?: number): Promise<{ data?: DataView }>;
  vendorId: number;
  productId: number;
  configuration: { interfaces: { alternate: { endpoints: { endpointNumber: number; direction: string; type: string }[] } }[] } | null;
}

async function openV3(): Promise<{ exchange: Exchange; close: () => Promise<void> }> {
  const { usb } = (await import('usb')) as unknown as { usb: { getDevices(): Promise<V3Device[]> } };
  const device = (await usb.getDevices()).find((d) => d.vendorId === vid && d.productId === pid);
  if (device === undefined) throw new Error('device not found');
  await device.open();
  await device.claimInterface(0);
  const eps = device.configuration!.interfaces[0]!.alternate.endpoints;
  const bulkIn = eps.find((e) => e.direction === 'in' && e.type === 'bulk')!.endpointNumber;
  const bulkOut = eps.find((e) => e.direction === 'out' && e.type === 'bulk')!.endpointNumber;
  return {
    exchange: async (message) => {
      await device.transferOut(bulkOut, message, 5000);
      const r = await device.transferIn(bulkIn, 512, 5000);
      return new Uint8Array(r.data!.buffer, r.data!.byteOffset, r.data!.byteLength);
    },
    close: async () => {
      await device.releaseInterface(0);
      await device.close();
    },
  };
}

interface V2Endpoint {
  direction: 'in' | 'out';
  transferType: number;
  timeout: number;
  transfer(arg: number | Buffer, cb: (error: Error | undefined, data?: Buffer) => void): void;
}
interface V2Module {
  findByIds(vid: number, pid: number): { open(): void; close(): void; interface(n: number): { claim(): void; release(closeEndpoints: boolean, cb: () => void): void; endpoints: V2Endpoint[] } } | undefined;
}

async function openV2(): Promise<{ exchange: Exchange; close: () => Promise<void> }> {
  const mod = (await import('usb-libusb')) as unknown as V2Module & { default?: V2Module };
  const usb = mod.default ?? mod;
  const device = usb.findByIds(vid, pid);
  if (device === undefined) throw new Error('device not found');
  device.open();
  const itf = device.interface(0);
  itf.claim();
  const BULK = 2;
  const bulkIn = itf.endpoints.find((e) => e.direction === 'in' && e.transferType === BULK)!;
  const bulkOut = itf.endpoints.find((e) => e.direction === 'out' && e.transferType === BULK)!;
  bulkIn.timeout = 5000;
  bulkOut.timeout = 5000;
  const INTERRUPT = 3;
  const interruptIn = itf.endpoints.find((e) => e.direction === 'in' && e.transferType === INTERRUPT);
  if (args.includes('--interrupt') && interruptIn !== undefined) (interruptIn as unknown as { startPoll(n: number, size: number): void }).startPoll(1, 8);
  const transfer = (ep: V2Endpoint, arg: number | Buffer): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) => ep.transfer(arg, (error, data) => (error ? reject(error) : resolve(data))));
  return {
    exchange: async (message) => {
      await transfer(bulkOut, Buffer.from(message));
      return new Uint8Array((await transfer(bulkIn, 512))!);
    },
    close: async () => {
      await new Promise<void>((resolve) => itf.release(true, () => resolve()));
      device.close();
    },
  };
}

function message(type: number, seq: number, data: number[]): Uint8Array {
  const m = new Uint8Array(10 + data.length);
  m[0] = type;
  new DataView(m.buffer).setUint32(1, data.length, true);
  m[6] = seq & 0xff;
  m.set(data, 10);
  return m;
}

async function main(): Promise<number> {
  const dev = line === 'v2' ? await openV2() : await openV3();
  let seq = 0;
  const xfr = async (type: number, data: number[]): Promise<Uint8Array> => {
    for (;;) {
      const answer = await dev.exchange(message(type, seq, data));
      // Time extension (bmCommandStatus 2, CCID 1.1 §6.2.6): the answer is still to come.
      if ((answer[7]! & 0xc0) !== 0x80) {
        seq++;
        return answer;
      }
    }
  };
  await xfr(0x62, []);
  await xfr(0x6f, [0x00, 0xa4, 0x00, 0x0c, 0x02, 0x2f, 0xe2]);
  let wrong = 0;
  // Three passes, the best reported (as for the drivers): the first also warms up V8 and the emulator.
  let ms = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const t = performance.now();
    for (let i = 0; i < apdus; i++) {
      const a = await xfr(0x6f, [0x00, 0xb0, 0x00, 0x00, 0x0a]);
      if (a.length !== 22 || a[20] !== 0x90 || a[21] !== 0x00) wrong++;
    }
    ms = Math.min(ms, (performance.now() - t) / apdus);
  }
  await xfr(0x63, []);
  await dev.close();
  console.log(`RESULT raw-usb${line === 'v2' ? '2 (libusb, legacy API)' : '3 (nusb, WebUSB API)'}${args.includes('--interrupt') ? ' +interrupt-IN' : ''} ms=${ms.toFixed(2)} apdus=${apdus} wrong=${wrong}`);
  return wrong === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.log(`FAIL raw ${line}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
