// What every OS print spooler offers the take-over: list and read queues, re-point one, the hidden direct queue, RAW printing.

/** One OS print queue as the spooler describes it. */
export interface QueueInfo {
  name: string;
  /** CUPS printer-make-and-model, Windows DriverName; null for a raw queue with no driver. */
  driver: string | null;
  /** CUPS device URI (`usb://EPSON/TM-T20II?serial=…`, `socket://10.0.0.5:9100`), Windows port name (`USB001`). */
  port: string;
  description: string | null;
  /** Everything else the spooler said about the queue (kept with the take-over for support). */
  snapshot: Record<string, string>;
}

/** Where pass-through can write to the printer itself, without a second spooler job. */
export type DirectRoute = { tcp: string } | { file: string };

export interface SpoolerBackend {
  readonly kind: 'cups' | 'windows';
  /** Why this spooler would refuse `name` as a queue name, or null. */
  queueNameProblem(name: string): string | null;
  /** The hidden queue that keeps `queue`'s original port. */
  directQueueName(queue: string): string;
  list(): Promise<QueueInfo[]>;
  get(name: string): Promise<QueueInfo | null>;
  /** Points the queue at the bridge's listener on 127.0.0.1:`port`; returns the port as the spooler names it. */
  pointAtBridge(queue: string, port: number): Promise<string>;
  /** Puts a queue's port (device URI) back. */
  setPort(queue: string, port: string): Promise<void>;
  /** Creates the hidden direct queue on the original's port, RAW, not shared. */
  createDirect(direct: string, original: QueueInfo): Promise<void>;
  /** Removes the hidden queue (jobs it still holds go to `moveJobsTo`, where the spooler can move them). */
  removeDirect(direct: string, moveJobsTo: string): Promise<void>;
  /** Removes what pointAtBridge created beside the queue (the Windows TCP/IP port); nothing on CUPS. */
  removeBridgePort(takenPort: string): Promise<void>;
  /** One RAW job to a queue, byte for byte. */
  printRaw(queue: string, bytes: Uint8Array): Promise<void>;
  /** The printer itself, when the original port is one the bridge can write to without the spooler. */
  directRoute(original: QueueInfo): DirectRoute | null;
  /** Whether `port` is one the bridge points queues at (a queue already taken over). */
  isBridgePort(port: string): boolean;
  /**
   * Runs `work`, whose queue changes need rights capture never needs. Windows without administrator rights: its
   * changes run together in one elevated process (one UAC prompt); refused, nothing changed and the error says
   * `untouched` (what stays as it was). CUPS: as they come (lpadmin rights are the process's own).
   */
  privileged<T>(untouched: string, work: () => Promise<T>): Promise<T>;
}

export class SpoolerError extends Error {
  constructor(
    readonly code: 'invalid_queue' | 'queue_not_found' | 'already_taken' | 'needs_admin' | 'elevation_refused' | 'spooler_failed' | 'not_taken' | 'invalid_id',
    message: string,
  ) {
    super(message);
    this.name = 'SpoolerError';
  }
}

/** Drivers and ports that say "receipt printer": thermal/POS models, the text-only and raw drivers tills use. */
const RECEIPT = /receipt|thermal|\bpos\b|pos-?\d{2}|tm-?[a-z]?\d|tsp\s?\d|\bstar\b|xprinter|bixolon|srp-?\d|citizen|ct-s\d|rongta|sewoo|zjiang|generic\s*\/?\s*text|text[- ]only|raw (queue|printer)|esc\/?pos/i;

/** Whether a queue looks like a receipt printer by its driver, model or port. */
export function isReceiptPrinter(q: Pick<QueueInfo, 'driver' | 'port' | 'name'>): boolean {
  return RECEIPT.test(q.driver ?? '') || RECEIPT.test(decodeURIComponent(q.port.replace(/%(?![0-9a-f]{2})/gi, '%25'))) || RECEIPT.test(q.name);
}
