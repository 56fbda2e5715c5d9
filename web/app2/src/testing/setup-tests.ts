import '@testing-library/jest-dom/vitest';
import { installMockServer } from '@sso/web-shared/testing';

installMockServer();
