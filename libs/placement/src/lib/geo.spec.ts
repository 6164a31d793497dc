import { BERLIN, MUNICH } from '../testing/fixtures';
import { EARTH_RADIUS_KM, haversineKm, parseLocation } from './geo';

describe(haversineKm.name, () => {
  it.each([
    ['Munich–Berlin', MUNICH, BERLIN, 504.29],
    ['Berlin–Munich (symmetric)', BERLIN, MUNICH, 504.29],
    ['London–New York', { lat: 51.5074, long: -0.1278 }, { lat: 40.7128, long: -74.006 }, 5570.23],
    ['same point', MUNICH, MUNICH, 0],
    [
      'antipodes on the equator',
      { lat: 0, long: 0 },
      { lat: 0, long: 180 },
      Math.PI * EARTH_RADIUS_KM,
    ],
  ])('%s', (_name, a, b, km) => {
    expect(haversineKm(a, b)).toBeCloseTo(km, 1);
  });
});

describe(parseLocation.name, () => {
  it.each([
    ['48.1374,11.5755', { lat: 48.1374, long: 11.5755 }],
    [' 48.1 , -11.5 ', { lat: 48.1, long: -11.5 }],
    ['-90,180', { lat: -90, long: 180 }],
    ['+1.,.5', { lat: 1, long: 0.5 }],
    ['48.1,11.5,25', { lat: 48.1, long: 11.5 }], // Oakestra cluster location: lat,long,radius
  ])('parses %j', (text, point) => {
    expect(parseLocation(text)).toEqual(point);
  });

  it.each([
    '',
    '48.1',
    'abc,def',
    '48.1;11.5',
    '91,0',
    '0,180.5',
    '1e3,2',
    'NaN,0',
    '1,2,3,4',
    ',1',
  ])('rejects %j', (text) => {
    expect(parseLocation(text)).toBeUndefined();
  });
});
