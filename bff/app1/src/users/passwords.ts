import bcrypt from 'bcryptjs';

/** Hashes and checks passwords. A wrong password is a value (`false`), not an exception. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Compares against `hash`, or against a dummy hash when the user does not
   * exist, so "no such user" costs the same time as "wrong password" and the
   * response time does not reveal which usernames exist.
   */
  verify(password: string, hash: string | null): Promise<boolean>;
}

export async function createPasswordHasher(options: { cost: number }): Promise<PasswordHasher> {
  // A real hash at the same cost, of a random value nobody knows.
  const dummyHash = await bcrypt.hash(crypto.randomUUID(), options.cost);
  return {
    hash: (password) => bcrypt.hash(password, options.cost),
    async verify(password, hash) {
      const ok = await bcrypt.compare(password, hash ?? dummyHash);
      return hash !== null && ok;
    },
  };
}
