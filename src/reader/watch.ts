/**
 * Watching a USB host for readers: every CCID device already there and every one plugged
 * later is opened with {@link openReader} and reported as `added` (with the reader, or
 * with the error that kept it from opening); an unplugged one is reported as `removed`
 * and destroyed. Devices without a CCID interface are skipped silently. There is no
 * fixed reader limit (libccid stops at 16).
 *
 * @example
 * ```ts
 * const watcher = watchReaders(new NodeUsbHost());
 * watcher.on('added', ({ reader, error }) => reader ? console.log('+', reader.name) : console.error(error));
 * watcher.on('removed', ({ reader }) => console.log('-', reader.name));
 * await watcher.ready; // the readers present at start are open (or failed)
 * ```
 */
import { TypedEmitter } from '../ccid/events.ts';
import { CcidError, DescriptorError, ProtocolError } from '../errors.ts';
import type { UsbDevice, UsbHost } from '../usb/transport.ts';
import { openReader, type OpenReaderOptions, type Reader } from './reader.ts';

/** Options of {@link watchReaders}. */
export interface WatchReadersOptions extends Omit<OpenReaderOptions, 'description' | 'signal'> {
  /** Only devices for which this returns true are opened. @default every device */
  filter?: (device: UsbDevice) => boolean;
}

/** A device was opened as a reader, or failed to. */
export interface ReaderAddedEvent {
  readonly device: UsbDevice;
  /** The opened reader; absent when opening failed. */
  readonly reader?: Reader;
  /** Why opening failed; absent when it worked. */
  readonly error?: CcidError;
}

/** A reader's device left. */
export interface ReaderRemovedEvent {
  readonly device: UsbDevice;
  readonly reader: Reader;
}

/** Events of a {@link ReaderWatcher}. */
export interface ReaderWatcherEvents {
  added: ReaderAddedEvent;
  removed: ReaderRemovedEvent;
}

/** What {@link watchReaders} returns. */
export interface ReaderWatcher {
  /** The readers open now. */
  readonly readers: readonly Reader[];
  /** Settles when the devices present at start have been opened (or failed). */
  readonly ready: Promise<void>;
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ReaderWatcherEvents>(type: K, listener: (event: ReaderWatcherEvents[K]) => void): () => void;
  /** Stops watching and closes every reader. */
  close(): Promise<void>;
}

class Watcher implements ReaderWatcher {
  readonly ready: Promise<void>;
  readonly #events = new TypedEmitter<ReaderWatcherEvents>();
  readonly #open = new Map<UsbDevice, Reader>();
  readonly #pending = new Map<UsbDevice, Promise<void>>();
  readonly #gone = new Set<UsbDevice>();
  readonly #stop: () => void;
  #closed = false;

  constructor(
    private readonly host: UsbHost,
    private readonly options: WatchReadersOptions,
  ) {
    this.#stop = host.watch((event) => {
      if (event.type === 'connect') void this.#add(event.device);
      else this.#remove(event.device);
    });
    this.ready = host.getDevices().then(
      (devices) => Promise.all(devices.map((d) => this.#add(d))).then(() => undefined),
      () => undefined,
    );
  }

  get readers(): readonly Reader[] {
    return [...this.#open.values()];
  }

  on<K extends keyof ReaderWatcherEvents>(type: K, listener: (event: ReaderWatcherEvents[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  #add(device: UsbDevice): Promise<void> {
    if (this.#closed || this.#open.has(device)) return Promise.resolve();
    const inFlight = this.#pending.get(device);
    if (inFlight !== undefined) return inFlight;
    if (this.options.filter !== undefined && !this.options.filter(device)) return Promise.resolve();
    this.#gone.delete(device);
    const { filter: _filter, ...open } = this.options;
    const work = openReader(device, open).then(
      (reader) => {
        this.#pending.delete(device);
        if (this.#closed || this.#gone.has(device)) {
          reader.destroy();
          return;
        }
        this.#open.set(device, reader);
        this.#events.emit('added', { device, reader });
      },
      (error: unknown) => {
        this.#pending.delete(device);
        if (this.#closed || (error instanceof DescriptorError && error.code === 'CCID_ERR_NOT_CCID')) return;
        const ccidError = error instanceof CcidError ? error : new ProtocolError(`opening a reader failed: ${String(error)}`, { cause: error });
        this.#events.emit('added', { device, error: ccidError });
      },
    );
    this.#pending.set(device, work);
    return work;
  }

  #remove(device: UsbDevice): void {
    this.#gone.add(device);
    const reader = this.#open.get(device);
    if (reader === undefined) return;
    this.#open.delete(device);
    reader.destroy();
    this.#events.emit('removed', { device, reader });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop();
    await Promise.all(this.#pending.values());
    const readers = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(readers.map((r) => r.close().catch(() => undefined)));
  }
}

/** Watches `host` and opens every CCID reader on it, now and as they are plugged. */
export function watchReaders(host: UsbHost, options: WatchReadersOptions = {}): ReaderWatcher {
  return new Watcher(host, options);
}
