/** Full-page navigation to another app. One place, so tests can observe it. */
export const navigation = {
  assign(url: string): void {
    window.location.assign(url);
  },
};
