import '@sso/web-shared/styles.css';
import { mount } from '@sso/web-shared/mount';
import { routes } from './app/routes';

void mount(routes);
