/** A migration that cannot be applied, or applied history that no longer matches the files. */
export class MigrationError extends Error {
  /** The migration file's name, e.g. `0001_create_users.sql`. */
  readonly file: string;

  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
    this.file = file;
  }
}

/** An applied migration's file was changed afterwards: the database no longer matches the code. */
export class MigrationChecksumError extends MigrationError {
  constructor(file: string, recorded: string, current: string) {
    super(
      file,
      `Migration ${file} was edited after being applied (checksum ${recorded.slice(0, 12)}… recorded, ` +
        `${current.slice(0, 12)}… on disk); restore it and add a new migration instead`,
    );
    this.name = 'MigrationChecksumError';
  }
}
