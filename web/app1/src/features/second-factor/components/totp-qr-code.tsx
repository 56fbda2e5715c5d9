import { renderSVG } from 'uqr';

/**
 * The otpauth:// URI as a QR code, drawn in the browser (the secret never
 * goes to a third party). Its own module: the QR library loads only when a
 * person sets up an authenticator app.
 */
export function TotpQrCode({ uri }: { uri: string }) {
  const svg = renderSVG(uri, { border: 2, pixelSize: 5 });
  return <img className="qr" width={220} height={220} alt="QR code for your authenticator app" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} />;
}
