import { useNavigate } from 'react-router';
import { navigation } from '@sso/web-shared';

/** Follows a server-validated redirect: in-app routes client-side, other apps with a full load. */
export function useGoTo() {
  const navigate = useNavigate();
  return (redirectTo: string) => {
    const url = new URL(redirectTo, window.location.href);
    if (url.origin === window.location.origin) navigate(`${url.pathname}${url.search}${url.hash}`, { replace: true });
    else navigation.assign(url.href);
  };
}
