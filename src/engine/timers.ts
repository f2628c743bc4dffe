/** Firing a timer row: each key names what it is for; a timer that no longer matches the state is a no-op. */
import type { TimeoutType } from '../common/failure.js';
import { activityRetryDue, activityTimeout } from './activity.js';
import { workflowTimedOut } from './requests.js';
import type { Transition } from './transition.js';
import { stickyScheduleToStartTimedOut, workflowTaskRetryDue, workflowTaskTimedOut } from './workflow-task.js';

const ACTIVITY_TIMEOUTS: Record<string, TimeoutType> = {
  'act-s2c': 'SCHEDULE_TO_CLOSE',
  'act-s2s': 'SCHEDULE_TO_START',
  'act-stc': 'START_TO_CLOSE',
  'act-hb': 'HEARTBEAT',
};

export function fireTimer(t: Transition, key: string): void {
  const s = t.state;
  if (s.status !== 'Running') return;
  const [kind = '', a = '', b] = key.split(':');
  const n = Number(a);
  const attempt = b === undefined ? undefined : Number(b);
  switch (kind) {
    case 'timer': {
      const timer = s.timers[n];
      if (!timer) return;
      delete s.timers[n];
      t.event('TimerFired', { timerId: timer.timerId, startedEventId: timer.startedEventId });
      t.scheduleWorkflowTaskIfNeeded();
      return;
    }
    case 'wt-stc':
      return workflowTaskTimedOut(t, n);
    case 'wt-sticky':
      return stickyScheduleToStartTimedOut(t, n);
    case 'wt-retry':
      return workflowTaskRetryDue(t, n);
    case 'run-timeout':
      return workflowTimedOut(t, 'run');
    case 'execution-timeout':
      return workflowTimedOut(t, 'execution');
    case 'act-retry': {
      const act = t.peekActivity(n);
      if (act && act.attempt === attempt) activityRetryDue(t, t.activity(n)!);
      return;
    }
    default: {
      const timeoutType = ACTIVITY_TIMEOUTS[kind];
      const act = t.peekActivity(n);
      if (!timeoutType || !act) return;
      if (attempt !== undefined && act.attempt !== attempt) return;
      if (timeoutType === 'SCHEDULE_TO_START' && act.state !== 'scheduled') return;
      if ((timeoutType === 'START_TO_CLOSE' || timeoutType === 'HEARTBEAT') && act.state !== 'started') return;
      activityTimeout(t, t.activity(n)!, timeoutType);
    }
  }
}
