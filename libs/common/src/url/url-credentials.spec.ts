import { redactUrlCredentials, stripUrlCredentials } from './url-credentials';

describe('url credentials', () => {
  it('redacts the password and keeps the user', () => {
    expect(redactUrlCredentials('mqtt://admin:s3cret@127.0.0.1:10003')).toBe(
      'mqtt://admin:<redacted>@127.0.0.1:10003',
    );
  });

  it('handles multi-host mongodb URLs the WHATWG parser rejects', () => {
    expect(redactUrlCredentials('mongodb://u:p@h1:27017,h2:27017/db?replicaSet=x')).toBe(
      'mongodb://u:<redacted>@h1:27017,h2:27017/db?replicaSet=x',
    );
  });

  it('leaves URLs without credentials alone', () => {
    expect(redactUrlCredentials('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(stripUrlCredentials('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('strips user and password', () => {
    expect(stripUrlCredentials('mqtt://admin:s3cret@broker:1883')).toBe('mqtt://broker:1883');
    expect(stripUrlCredentials('mqtts://token@broker:8883')).toBe('mqtts://broker:8883');
  });
});
