import type { PropsWithChildren } from 'react';
// NutUI's styles once for the whole app (its px stay as drawn: see designWidth / selectorBlackList in config).
import '@nutui/nutui-react-taro/dist/style.css';
import { configure as configureIcons } from '@nutui/icons-react-taro';
import { installUnauthorizedHandler, resumeLive } from './services/session';
import './app.css';

// NutUI draws its icons as an HTML <i>, which a mini-program does not have: WeChat finds no template for it
// (「Template tmpl_0_i not found」) and draws nothing. A view is drawn; the browser keeps the <i> its styles expect.
if (process.env.TARO_ENV !== 'h5') configureIcons({ tag: 'view' });

// an expired or revoked token sends the person back to the login page
installUnauthorizedHandler();
// a login remembered from before: the live connection (updates, badge, toasts) opens at once
resumeLive();

function App({ children }: PropsWithChildren) {
  // children is the page being shown
  return children;
}

export default App;
