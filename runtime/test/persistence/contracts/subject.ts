/** One store under a contract suite: a fresh, empty store plus more clients of the same data. */
export interface ContractSubject<T> {
  readonly store: T;
  /** Another client of the same data (another connection for Redis; the same object in memory). */
  peer(): Promise<T>;
  /** Closes connections and deletes the data. */
  dispose(): Promise<void>;
}

export type MakeSubject<T> = () => Promise<ContractSubject<T>>;

/** Makes subjects for one `describe` block and disposes of them after each test. */
export function subjects<T>(make: MakeSubject<T>): () => Promise<ContractSubject<T>> {
  const made: ContractSubject<T>[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((subject) => subject.dispose()));
  });
  return async () => {
    const subject = await make();
    made.push(subject);
    return subject;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` clients of the subject's data: the store itself and peers, round robin over `clients` of them. */
export async function clientsOf<T>(subject: ContractSubject<T>, clients: number): Promise<T[]> {
  const list = [subject.store];
  while (list.length < clients) list.push(await subject.peer());
  return list;
}
