/**
 * The billed-spend model: polls GET costwidget/api/billing rarely and without activity
 * tracking (the server caches Cost Explorer, whose requests cost $0.01 each).
 */
import { PolledValue } from '../polled';
import { requestAPI } from '../api/request';
import { IBilling } from './figures';

export type BillingFetcher = (refresh: boolean) => Promise<IBilling>;

export const fetchBillingFromServer: BillingFetcher = refresh =>
  requestAPI<IBilling>(
    refresh ? 'billing?refresh=1' : 'billing',
    {},
    { trackActivity: false }
  );

// Every 10 min by default: the server caches Cost Explorer for hours anyway.
const BILLING_POLL = {
  name: 'jupyter-costwidget:billing',
  interval: 600000,
  maxInterval: 3600000
};

export class BillingModel extends PolledValue<IBilling> {
  constructor(
    options: {
      fetchBilling?: BillingFetcher;
      /** Poll interval in ms (default 10 min; the server caches for hours anyway). */
      interval?: number;
      autoStart?: boolean;
    } = {}
  ) {
    super(
      BILLING_POLL,
      options.fetchBilling ?? fetchBillingFromServer,
      options
    );
  }

  /** The latest billed-spend figures, kept when later fetches fail. */
  get data(): IBilling | null {
    return this.value;
  }
}
