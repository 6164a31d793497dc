// placeholder, replaced below
export default async function requireServices(): Promise<void> {}
