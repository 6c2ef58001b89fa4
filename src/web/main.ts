/**
 * The WebUSB reader page: the driver's core (the same modules Node uses) on
 * `navigator.usb`, or on the built-in emulator with `?sim=PROFILE`.
 *
 * URL parameters:
 * - `sim=PROFILE`: use an emulated reader (`sysmoOCTSIM`, `short-apdu-1slot`, ...) instead of
 *   WebUSB; `sim` alone means `sysmoOCTSIM`;
 * - `cards=0,3,5`: the slots that start with a card (default: every slot);
 * - `timescale=N`: multiplier on the emulated card and wire time (default 1, 0 = instant);
 * - `protected=1`: the emulated reader refuses `claimInterface` as Chrome does for class 0x0B,
 *   to show the page's explanation without a real reader.
 */
import { webUsbHost } from '../usb/web/index.ts';
import type { WebUsbLike } from '../usb/web/index.ts';
import { captureFileName, SessionCapture } from './capture.ts';
import { byId, h, replace } from './dom.ts';
import { EventLog } from './event-log.ts';
import { renderEmulator } from './emulator-view.ts';
import { browserUsb, explainError, NO_READER, noWebUsb } from './platform.ts';
import { ReaderSession, showNotice } from './session.ts';
import { simulatedUsb, type SimulatedUsb } from './sim-usb.ts';

const DEFAULT_SIM_PROFILE = 'sysmoOCTSIM';

/** `1.5 kB`, `12 kB`, `1.2 MB`. */
function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** ` (iProduct)` when it says more than the profile name. */
function productSuffix(product: string | undefined, profile: string): string {
  return product === undefined || product === profile ? '' : ` (${product})`;
}

function numbers(text: string | null): number[] | undefined {
  if (text === null || text.trim() === '') return undefined;
  return text.split(/[\s,]+/).filter(Boolean).map(Number).filter(Number.isInteger);
}

function start(): void {
  const params = new URLSearchParams(location.search);
  const log = new EventLog(byId<HTMLOListElement>('event-log'));
  const notice = byId('notice');
  const connect = byId<HTMLButtonElement>('connect');
  const disconnect = byId<HTMLButtonElement>('disconnect');
  const download = byId<HTMLButtonElement>('download');
  const captureSize = byId('capture-size');

  let usb: WebUsbLike | undefined;
  let sim: SimulatedUsb | undefined;
  const simParam = params.get('sim');
  if (simParam !== null) {
    const profile = simParam === '' ? DEFAULT_SIM_PROFILE : simParam;
    try {
      const timeScale = Number(params.get('timescale') ?? '1');
      const blockProtected = params.get('protected') === '1';
      sim = simulatedUsb(profile, {
        timeScale: Number.isFinite(timeScale) && timeScale >= 0 ? timeScale : 1,
        blockProtectedClass: blockProtected,
        ...(numbers(params.get('cards')) === undefined ? {} : { cardSlots: numbers(params.get('cards'))! }),
      });
      usb = sim.usb;
      const banner = byId('sim-banner');
      replace(
        banner,
        h('strong', {}, 'Emulated reader'),
        ` — ${profile}${productSuffix(sim.reader.profile.productName, profile)} from the built-in emulator stands in for navigator.usb. No real USB device is used; the driver code is the same.`,
        blockProtected ? ' claimInterface is refused as Chrome refuses class 0x0B (protected=1).' : '',
      );
      banner.hidden = false;
      document.title = `ccid · emulated ${profile}`;
      renderEmulator(byId('emulator'), sim, (text) => log.add(text));
    } catch (error) {
      showNotice(notice, explainError(error, 'Starting the emulator'));
      connect.disabled = true;
      return;
    }
  } else {
    usb = browserUsb();
  }

  if (usb === undefined) {
    showNotice(notice, noWebUsb(window.isSecureContext));
    connect.disabled = true;
    log.add('navigator.usb is undefined: no WebUSB in this browser');
    return;
  }

  const capture = new SessionCapture();
  const host = webUsbHost(usb);
  const session = new ReaderSession(host, capture, { notice, readerPanel: byId('reader'), slotsPanel: byId('slots'), connect, disconnect, log });
  const updateCapture = () => {
    download.disabled = capture.packets === 0;
    captureSize.textContent = capture.packets === 0 ? '' : `${capture.packets} packets · ${size(capture.size)}`;
  };
  capture.onRecord(updateCapture);
  updateCapture();

  connect.addEventListener('click', () => void session.connect());
  disconnect.addEventListener('click', () => void session.disconnect());
  download.addEventListener('click', () => {
    capture.download(captureFileName(session.vidPid));
    log.add(`capture saved: ${capture.packets} packets`);
  });
  host.watch((event) => {
    const what = `${event.device.productName ?? 'USB device'}`;
    log.add(event.type === 'connect' ? `USB: ${what} plugged in` : `USB: ${what} unplugged`);
  });

  showNotice(notice, NO_READER);
  // Say whether the browser already allows some devices (no prompt is shown for this).
  host.getDevices().then(
    (devices) => {
      if (sim === undefined) log.add(devices.length === 0 ? 'no reader allowed for this page yet' : `${devices.length} reader(s) already allowed for this page`);
    },
    (error: unknown) => log.add(explainError(error, 'Listing allowed devices').text.join(' '), 'error'),
  );
  document.body.dataset['ready'] = 'true';
}

start();
