export function placement(): string {
  return 'placement';
}
