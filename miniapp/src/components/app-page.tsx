import { useEffect, type PropsWithChildren } from 'react';
import Taro from '@tarojs/taro';
import { View } from '@tarojs/components';
import { isLoggedIn, useElderMode } from '../services/session';
import { LOGIN_PAGE } from '../services/roles';
import './components.css';

interface AppPageProps {
  className?: string;
  /** Pages for people who have not logged in (the login page itself) set this to false. */
  requireLogin?: boolean;
}

/**
 * The root of every page: applies the elder-friendly mode (适老化: class `app-page--elder`, larger text and touch
 * targets, higher contrast — see components.css) from the remembered setting, and sends a person who is not logged
 * in to the login page rather than showing them a page of errors.
 */
export function AppPage({ className, requireLogin = true, children }: PropsWithChildren<AppPageProps>) {
  const [elder] = useElderMode();
  const allowed = !requireLogin || isLoggedIn();
  useEffect(() => {
    if (!allowed) void Taro.reLaunch({ url: LOGIN_PAGE });
  }, [allowed]);
  return <View className={`app-page ${elder ? 'app-page--elder' : ''} ${className ?? ''}`}>{allowed ? children : null}</View>;
}
