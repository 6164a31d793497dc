/** An application as services see it (Oakestra's field names). */
export interface Application {
  /** ObjectId hex; rendered as `_id: {"$oid"}` and `applicationID`. */
  id: string;
  application_name: string;
  application_namespace: string;
  application_desc: string;
  /** Owner's user name (Oakestra stores the JWT identity here). */
  userId: string;
  /** Service ids, in registration order. */
  microservices: string[];
}
