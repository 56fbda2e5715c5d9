/** Recovery codes, shown once: the person writes them down or stores them in a password manager. */
export function RecoveryCodesList({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div>
      <p>
        <strong>Save these recovery codes now.</strong> Each signs you in once if you lose your authenticator app. They are not shown again.
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="actions">
        <button className="button button--secondary" type="button" onClick={() => void navigator.clipboard?.writeText(codes.join('\n'))}>
          Copy codes
        </button>
        <button className="button" type="button" onClick={onDone}>
          I saved them
        </button>
      </div>
    </div>
  );
}
