/**
 * The widgets every workspace shares (居民, 志愿者, 网格员/调度员). The volunteer and staff workspaces' own pieces
 * (staff-page, staff-hero, staff-order-card, figures, staff-form, staff-chart) are imported from their files instead:
 * every page imports this index, and a stylesheet imported here reaches every page.
 */
export { AppPage } from './app-page';
export { PageState, firstLoad } from './page-state';
export { StatusTag, UrgencyTag } from './status-tag';
export { OrderTimeline } from './order-timeline';
export { OrderActions, type PageActionHandlers } from './order-actions';
export { ServiceIcon } from './service-icon';
export { useLoader, type Loader } from './use-loader';
export { errorMessage, showError, showSuccess, withFeedback } from './feedback';
export { MeEntry } from './me-entry';
export { useLiveReload, LIVE_INTERVAL_MS } from './use-live';
export { usePagedLoader, LoadMore, type PagedLoader } from './use-paged-loader';
export { DetailCard, DetailRow, PreferredTimeRow, ResidentRows } from './detail-row';
export { OrderHeader } from './order-header';
export { PhoneBinding, type PhoneBindingProps } from './phone-binding';
export { SmsCodeForm, type SmsCodeFormProps } from './sms-code-form';
export { PlacePicker } from './place-picker';
export { AddPhotoTile, PhotoRow, PhotoTile, choosePhotos } from './photo-tiles';
