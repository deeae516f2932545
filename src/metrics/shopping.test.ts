import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CART, CHECKOUT, furthest, stagesOfActivity, stagesOfEvent, stagesOfPage, VIEW } from './shopping.ts';

test('shopping_activity: strings, stage words and the documented object fields', () => {
  assert.equal(stagesOfActivity('viewing_product'), VIEW);
  assert.equal(stagesOfActivity('cart'), CART);
  assert.equal(stagesOfActivity('checkout'), CHECKOUT);
  assert.equal(stagesOfActivity({ viewing: 'p1', cart_items: 2 }), VIEW | CART);
  assert.equal(stagesOfActivity({ stage: 'checkout' }), CHECKOUT);
  assert.equal(stagesOfActivity({ action: 'add_to_cart', product_id: 'p9' }), VIEW | CART);
  assert.equal(stagesOfActivity({ cart_items: 0 }), 0);
  assert.equal(stagesOfActivity({ checkout: true }), CHECKOUT);
  assert.equal(stagesOfActivity('idle'), 0);
  assert.equal(stagesOfActivity(null), 0);
  assert.equal(stagesOfActivity([1, 2]), 0);
});

test('current_page: product, cart and checkout paths, with or without an origin', () => {
  assert.equal(stagesOfPage('/p/p1'), VIEW);
  assert.equal(stagesOfPage('https://shop.example/products/iphone-14?ref=x'), VIEW);
  assert.equal(stagesOfPage('/cart'), CART);
  assert.equal(stagesOfPage('/checkout/payment'), CHECKOUT);
  assert.equal(stagesOfPage('/'), 0);
  assert.equal(stagesOfPage('/p'), 0, 'a product list is not a product view');
  assert.equal(stagesOfPage(null), 0);
});

test('events: behaviour event types, and an order placed as a checkout', () => {
  assert.equal(stagesOfEvent('product_view', { product_id: 'p1' }), VIEW);
  assert.equal(stagesOfEvent('add_to_cart', {}), CART);
  assert.equal(stagesOfEvent('checkout_started', {}), CHECKOUT);
  assert.equal(stagesOfEvent('order_status_update', { order_id: 'o1', status: 'placed' }), CHECKOUT);
  assert.equal(stagesOfEvent('order_status_update', { order_id: 'o1', status: 'shipped' }), 0);
  assert.equal(stagesOfEvent('product_price_change', { product_id: 'p1', new_price: 1 }), 0);
});

test('the furthest stage wins', () => {
  assert.equal(furthest(VIEW | CART), 'cart');
  assert.equal(furthest(VIEW | CART | CHECKOUT), 'checkout');
  assert.equal(furthest(VIEW), 'product_view');
  assert.equal(furthest(0), undefined);
});
