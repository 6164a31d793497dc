import { isScheduleInstanceJobData } from './queue-names';
import { JobName, QueueName } from './queue-names';
import { parseScheduleInstanceJobId, scheduleInstanceJobId } from './job-ids';

describe('queue names', () => {
  it('contain no colon (BullMQ rejects them)', () => {
    for (const name of [...Object.values(QueueName), ...Object.values(JobName)])
      expect(name).not.toContain(':');
  });
});

describe('scheduleInstanceJobId', () => {
  const serviceId = '665f1c2e9b1e8a0012345678';

  it('is deterministic and round-trips', () => {
    const id = scheduleInstanceJobId(serviceId, 3, 7);
    expect(id).toBe(`schedule.${serviceId}.3.7`);
    expect(scheduleInstanceJobId(serviceId, 3, 7)).toBe(id);
    expect(parseScheduleInstanceJobId(id)).toEqual({ serviceId, instanceNumber: 3, generation: 7 });
  });

  it('is never something BullMQ rejects (integer-like or containing :)', () => {
    const id = scheduleInstanceJobId('123', 0, 0);
    expect(`${parseInt(id, 10)}`).not.toBe(id);
    expect(id).not.toContain(':');
  });

  it('differs per instance and per generation', () => {
    const ids = new Set([
      scheduleInstanceJobId(serviceId, 0, 0),
      scheduleInstanceJobId(serviceId, 1, 0),
      scheduleInstanceJobId(serviceId, 0, 1),
    ]);
    expect(ids.size).toBe(3);
  });

  it.each<[string, number, number]>([
    ['', 0, 0],
    ['a:b', 0, 0],
    ['a.b', 0, 0],
    ['a/b', 0, 0],
    [serviceId, -1, 0],
    [serviceId, 1.5, 0],
    [serviceId, 0, -1],
    [serviceId, Number.NaN, 0],
  ])('refuses (%j, %j, %j)', (id, instance, generation) => {
    expect(() => scheduleInstanceJobId(id, instance, generation)).toThrow(RangeError);
  });

  it.each([
    '',
    'schedule.a.1',
    'schedule.a.b.1',
    'other.a.1.1',
    'schedule.a.1.1.1',
    'schedule.a.99999999999999999999.1',
  ])('parses %j as not ours', (id) => {
    expect(parseScheduleInstanceJobId(id)).toBeNull();
  });
});

describe('isScheduleInstanceJobData', () => {
  it('accepts only well-formed job data', () => {
    expect(isScheduleInstanceJobData({ serviceId: 'a', instanceNumber: 0, generation: 1 })).toBe(
      true,
    );
    expect(isScheduleInstanceJobData({ serviceId: 'a', instanceNumber: 0.5, generation: 1 })).toBe(
      false,
    );
    expect(isScheduleInstanceJobData({ serviceId: 1, instanceNumber: 0, generation: 1 })).toBe(
      false,
    );
    expect(isScheduleInstanceJobData(null)).toBe(false);
  });
});
