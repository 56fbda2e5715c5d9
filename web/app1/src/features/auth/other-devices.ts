/** "1 other device was signed out." / "3 other devices were signed out." / nothing for 0. */
export function otherDevicesSignedOut(count: number): string | null {
  if (count <= 0) return null;
  return count === 1 ? '1 other device was signed out.' : `${count} other devices were signed out.`;
}
