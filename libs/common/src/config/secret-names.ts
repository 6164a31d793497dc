// A variable is treated as secret when its name says so. Deliberately broad: printing
// "<redacted>" for a harmless value costs nothing, printing a password costs a rotation.
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
