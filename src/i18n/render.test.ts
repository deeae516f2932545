import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import type { NotificationType as DomainNotificationType } from '../domain/notification/notify.ts';
import { loadNotificationTemplates } from './load-templates.ts';
import { LANGS, NOTIFICATION_TYPES, paramsOf, type NotificationType } from './notification-types.ts';
import { notificationRenderer } from './render.ts';

const render = notificationRenderer(loadNotificationTemplates());

// The domain's notify() and these templates must name the same types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: Same<NotificationType, DomainNotificationType> = true;

const iphone = { en: 'iPhone 14 Pro', bn: 'আইফোন ১৪ প্রো' };
const saree = { en: 'Jamdani saree, 1950s', bn: 'পঞ্চাশের দশকের জামদানি শাড়ি' };

/** One plausible call per type, as a back-office caller would send it. */
const SAMPLES: Record<NotificationType, Record<string, unknown>> = {
  price_drop_alert: { product_name: iphone, discount_percentage: 10, new_price: 1350, product_id: 'p1', action_url: '/p/p1' },
  restock_notification: { product_name: 'Walton Primo R10' },
  promotion_alert: { promotion_name: { en: 'Eid Mega Sale', bn: 'ঈদ মেগা সেল' }, discount_percentage: 50, ends_at: '2026-11-26T23:59:00+06:00' },
  order_reminder: { product_name: 'Aarong Panjabi', cart_total: 4500 },
  order_status_update: { order_id: 'HT-10482', status: 'out_for_delivery' },
  payment_status_update: { order_id: 'HT-10482', amount: 1350.5, provider: 'bkash', status: 'success' },
  shipping_update: { order_id: 'HT-10482', carrier: { en: 'Pathao', bn: 'পাঠাও' }, tracking_id: 'PTH7781234', eta: '2026-11-28T12:00:00+06:00' },
  delivery_confirmation: { order_id: 'HT-10482', delivered_at: '2026-11-24T13:05:00Z' },
  auction_won: { auction_title: saree, amount: 125000 },
  auction_outbid: { auction_title: saree, amount: 1234567 },
  flash_sale_starting: { sale_name: { en: '11.11 Flash Sale', bn: '১১.১১ ফ্ল্যাশ সেল' }, discount_percentage: 70, starts_at: Date.parse('2026-11-11T00:00:00+06:00') },
  chat_message: { sender_name: 'Rahim Store', preview: 'Size M is in stock.' },
};

function rejects(fn: () => unknown, ...mentions: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HaatError, `expected a HaatError, got ${String(err)}`);
    assert.equal(err.code, 'bad_request');
    for (const m of mentions) assert.ok(err.message.includes(m), `${JSON.stringify(err.message)} should mention ${m}`);
    return true;
  });
}

test('the types are the ones of the domain notify()', () => {
  assert.equal(sameTypes, true);
  assert.equal(NOTIFICATION_TYPES.length, 12);
});

test('price_drop_alert: the Bengali of PROTOCOL.md §2, with ৳ and Bengali digits', () => {
  assert.deepEqual(render('price_drop_alert', 'bn', SAMPLES.price_drop_alert), {
    title: 'দাম কমেছে!',
    message: 'আইফোন ১৪ প্রো এর দাম ১০% কমেছে, এখন মাত্র ৳১,৩৫০।',
  });
  assert.deepEqual(render('price_drop_alert', 'en', SAMPLES.price_drop_alert), {
    title: 'Price drop!',
    message: 'iPhone 14 Pro is now ৳1,350, 10% off.',
  });
});

test('order_status_update: the status is translated', () => {
  assert.deepEqual(render('order_status_update', 'bn', SAMPLES.order_status_update), {
    title: 'অর্ডার আপডেট',
    message: 'আপনার অর্ডার #HT-10482 ডেলিভারির জন্য রওনা হয়েছে।',
  });
  assert.equal(render('order_status_update', 'en', SAMPLES.order_status_update).message, 'Your order #HT-10482 is out for delivery.');
  assert.equal(render('order_status_update', 'bn', { order_id: 'HT-10482', status: 'cancelled' }).message, 'আপনার অর্ডার #HT-10482 বাতিল করা হয়েছে।');
});

test('payment_status_update: provider and status translated, paisa shown', () => {
  assert.deepEqual(render('payment_status_update', 'bn', SAMPLES.payment_status_update), {
    title: 'পেমেন্ট আপডেট',
    message: 'অর্ডার #HT-10482 এর ৳১,৩৫০.৫০ বিকাশ পেমেন্ট সফল হয়েছে।',
  });
  assert.equal(
    render('payment_status_update', 'en', SAMPLES.payment_status_update).message,
    'Your bKash payment of ৳1,350.50 for order #HT-10482 was successful.',
  );
  const cod = { order_id: 'HT-10483', amount: 890, provider: 'cod', status: 'pending' };
  assert.equal(render('payment_status_update', 'bn', cod).message, 'অর্ডার #HT-10483 এর ৳৮৯০ ক্যাশ অন ডেলিভারি পেমেন্ট প্রক্রিয়াধীন আছে।');
  assert.equal(render('payment_status_update', 'en', cod).message, 'Your cash on delivery payment of ৳890 for order #HT-10483 is pending.');
  const nagad = { order_id: 'HT-10484', amount: 2100, provider: 'nagad', status: 'refunded' };
  assert.equal(render('payment_status_update', 'bn', nagad).message, 'অর্ডার #HT-10484 এর ৳২,১০০ নগদ পেমেন্ট ফেরত দেওয়া হয়েছে।');
});

test('times are written in Asia/Dhaka', () => {
  assert.equal(
    render('promotion_alert', 'bn', SAMPLES.promotion_alert).message,
    '৫০% পর্যন্ত ছাড়! অফার চলবে ২৬ নভেম্বর, ১১ অগ্রহায়ণ, রাত ১১:৫৯ পর্যন্ত।',
  );
  assert.equal(render('promotion_alert', 'en', SAMPLES.promotion_alert).message, 'Up to 50% off. Offer ends 26 Nov, 11:59 PM.');
  // Given in UTC, written in Dhaka time (19:05 +06:00).
  assert.equal(
    render('delivery_confirmation', 'bn', SAMPLES.delivery_confirmation).message,
    'আপনার অর্ডার #HT-10482 পৌঁছে দেওয়া হয়েছে (২৪ নভেম্বর, ৯ অগ্রহায়ণ, সন্ধ্যা ৭:০৫)। আমাদের সাথে কেনাকাটা করার জন্য ধন্যবাদ!',
  );
  assert.equal(
    render('flash_sale_starting', 'bn', SAMPLES.flash_sale_starting).message,
    '১১.১১ ফ্ল্যাশ সেল শুরু হচ্ছে ১১ নভেম্বর, ২৬ কার্তিক, রাত ১২:০০ থেকে। ৭০% পর্যন্ত ছাড়, মিস করবেন না!',
  );
  assert.equal(
    render('shipping_update', 'en', SAMPLES.shipping_update).message,
    'Order #HT-10482 has been handed to Pathao (tracking ID PTH7781234). Expected delivery: 28 Nov.',
  );
});

test('auctions: lakh grouping in Bengali', () => {
  assert.deepEqual(render('auction_outbid', 'bn', SAMPLES.auction_outbid), {
    title: 'আপনার চেয়ে বেশি দর উঠেছে',
    message: 'পঞ্চাশের দশকের জামদানি শাড়ি নিলামে কেউ ৳১২,৩৪,৫৬৭ দর দিয়েছেন। এগিয়ে থাকতে আবার দর দিন।',
  });
  assert.equal(render('auction_won', 'en', SAMPLES.auction_won).message, 'Congratulations! Your bid of ৳125,000 won Jamdani saree, 1950s.');
});

test('every type renders in both languages; Bengali text has no Latin digits but those of ids and names', () => {
  for (const type of NOTIFICATION_TYPES) {
    for (const lang of LANGS) {
      const out = render(type, lang, SAMPLES[type]);
      for (const text of [out.title, out.message]) {
        assert.ok(text.trim().length > 0, `${type} ${lang}: empty`);
        assert.ok(!/[{}]/.test(text), `${type} ${lang}: unfilled placeholder in ${text}`);
      }
      if (lang !== 'bn') continue;
      let rest = `${out.title} ${out.message}`;
      for (const [name, kind] of Object.entries(paramsOf(type))) {
        const v = SAMPLES[type][name];
        if (kind === 'code' || kind === 'text') rest = rest.replaceAll(typeof v === 'object' && v !== null ? (v as { bn: string }).bn : String(v), '');
      }
      assert.ok(!/[0-9]/.test(rest), `${type} bn: Latin digits in ${rest}`);
    }
  }
});

test('a missing parameter is a bad_request naming it, in either language', () => {
  const { new_price: _dropped, ...withoutPrice } = SAMPLES.price_drop_alert;
  for (const lang of LANGS) rejects(() => render('price_drop_alert', lang, withoutPrice), 'price_drop_alert', '`new_price`');
  rejects(() => render('auction_won', 'bn', { auction_title: saree, amount: null }), 'missing parameter `amount`');
  // `preview` is used by both languages' message only; `sender_name` is still demanded.
  rejects(() => render('chat_message', 'en', { preview: 'hi' }), '`sender_name`');
});

test('a parameter of the wrong kind is a bad_request naming it', () => {
  rejects(() => render('price_drop_alert', 'bn', { ...SAMPLES.price_drop_alert, new_price: '1350' }), '`new_price`', 'taka');
  rejects(() => render('order_status_update', 'bn', { order_id: 'HT-1', status: 'lost' }), '`status`', 'out_for_delivery');
  rejects(() => render('payment_status_update', 'en', { ...SAMPLES.payment_status_update, provider: 'paypal' }), '`provider`', 'bkash');
  rejects(() => render('promotion_alert', 'en', { ...SAMPLES.promotion_alert, ends_at: '2026-11-26 23:59' }), '`ends_at`', 'offset');
  rejects(() => render('restock_notification', 'bn', { product_name: { en: 'only English' } }), '`product_name`');
  rejects(() => render('promotion_alert', 'bn', { ...SAMPLES.promotion_alert, discount_percentage: 150 }), '`discount_percentage`');
});

test('an unknown type is a bad_request', () => {
  rejects(() => render('price_rise_alert', 'bn', {}), 'unknown notification type', 'price_rise_alert');
  rejects(() => render('toString', 'en', {}), 'unknown notification type');
});

test('extra parameters are ignored', () => {
  const plain = render('restock_notification', 'en', { product_name: 'Walton Primo R10' });
  const extra = render('restock_notification', 'en', { product_name: 'Walton Primo R10', product_id: 'p9', action_url: '/p/p9', new_price: 'x' });
  assert.deepEqual(extra, plain);
});
