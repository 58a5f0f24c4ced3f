// The store's errors and alerts: each with a stable code and a message that says what to do next.

export class DatabaseNewerThanCode extends Error {
  readonly code = 'database_too_new';
  constructor(
    readonly file: string,
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `The database ${file} has schema version ${databaseVersion}, newer than this bridge understands (${codeVersion}). ` +
        'It was left untouched: install the newer TaxPoynt POS Bridge again (or restore it), then start it.',
    );
    this.name = 'DatabaseNewerThanCode';
  }
}

export class MigrationFailed extends Error {
  readonly code = 'migration_failed';
  constructor(
    readonly version: number,
    readonly step: string,
    readonly backup: string | null,
    reason: string,
  ) {
    super(
      `Updating the database to schema ${version} (${step}) failed: ${reason}. ` +
        (backup
          ? `The database was put back as it was before the update (from the backup ${backup}); `
          : 'Nothing was changed; ') +
        'keep running the previous version of the bridge and send `taxpoynt-bridge diagnostics` to TaxPoynt support.',
    );
    this.name = 'MigrationFailed';
  }
}

export class DatabaseKeyInvalid extends Error {
  readonly code = 'database_key_invalid';
  constructor(service: string) {
    super(
      `The keychain entry "database-key" of "${service}" is not a 256-bit key, so the database cannot be opened. ` +
        'Restore the entry from a backup of the keychain, or delete it to start a new database, then run `taxpoynt-bridge doctor`.',
    );
    this.name = 'DatabaseKeyInvalid';
  }
}

export class OutboxRowNotFound extends Error {
  readonly code = 'not_found';
  constructor(readonly id: string) {
    super(`No transaction ${id} in the outbox: list them with \`taxpoynt-bridge queue\`.`);
    this.name = 'OutboxRowNotFound';
  }
}

export class InvalidStateChange extends Error {
  readonly code = 'invalid_state_change';
  constructor(
    readonly id: string,
    readonly from: string,
    readonly action: string,
    hint: string,
  ) {
    super(`Transaction ${id} is ${from}, so it cannot be ${action}: ${hint}`);
    this.name = 'InvalidStateChange';
  }
}

export class CaptureBufferFull extends Error {
  readonly code = 'capture_buffer_full';
  constructor(jobs: number) {
    super(
      `The disk is full and ${jobs} captured jobs are already held in memory, the most the bridge keeps: ` +
        'free disk space on this machine now; the held jobs are written out as soon as there is room.',
    );
    this.name = 'CaptureBufferFull';
  }
}

export type StoreAlertCode = 'database_key_missing' | 'database_unreadable' | 'database_corrupt' | 'disk_full' | 'capture_buffer_full';

export interface StoreAlert {
  code: StoreAlertCode;
  severity: 'warning' | 'error';
  message: string;
  raisedAt: string;
  /** Where a database that could not be used was moved (never deleted). */
  movedTo?: string;
}
