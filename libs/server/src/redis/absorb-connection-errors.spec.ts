import { EventEmitter } from 'node:events';
import { absorbLateConnectionErrors } from './absorb-connection-errors';

describe(absorbLateConnectionErrors.name, () => {
  it("drops an 'error' nobody listens to on a queue's or worker's connections", () => {
    const target = { connection: new EventEmitter(), blockingConnection: new EventEmitter() };
    expect(() => target.connection.emit('error', new Error('x'))).toThrow('x');
    absorbLateConnectionErrors(target);
    expect(target.connection.emit('error', new Error('late'))).toBe(false);
    expect(target.blockingConnection.emit('error', new Error('later'))).toBe(false);
  });

  it('still delivers errors and other events to listeners', () => {
    const target = { connection: new EventEmitter() };
    absorbLateConnectionErrors(target);
    const seen: string[] = [];
    target.connection.on('error', (e: Error) => seen.push(e.message));
    target.connection.on('ready', () => seen.push('ready'));
    target.connection.emit('error', new Error('boom'));
    target.connection.emit('ready');
    expect(seen).toEqual(['boom', 'ready']);
  });

  it('ignores objects without connections', () => {
    expect(() => absorbLateConnectionErrors({ connection: 'nope' })).not.toThrow();
  });
});
