/** A user as services see it (repositories map stored documents to this). */
export interface User {
  /** ObjectId hex. */
  id: string;
  /** Unique; the identity in tokens (`sub`) and the owner of applications (`userId`). */
  name: string;
  email: string;
  passwordHash: string;
  /** ISO-8601. */
  createdAt: string;
  /**
   * Tokens issued before this time (seconds since the epoch) are refused: set when the password
   * changes, so a stolen token dies with the old password.
   */
  tokensValidAfter: number;
}
