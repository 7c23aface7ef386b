/** The seam between the services and object storage; MinioStore is what runs. */
export interface ObjectStore {
  /** The object's bytes as text, or undefined when it does not exist. */
  getText(key: string): Promise<string | undefined>;
  /** The first `length` bytes of an object (fewer when it is shorter), or undefined when it does not exist. */
  getHead(key: string, length: number): Promise<Buffer | undefined>;
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** Names directly below a prefix ("videos/" → ["abc", "def"]), like a directory listing. */
  listChildren(prefix: string): Promise<string[]>;
  /** Removes every object under a prefix; resolves with how many there were (0 when none: removing twice is fine). */
  removeAll(prefix: string): Promise<number>;
  /** Resolves when the bucket is reachable with this store's credentials. */
  ping(): Promise<void>;
}
