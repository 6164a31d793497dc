import { Injectable } from '@nestjs/common';

export type RootLinkPhase =
  'starting' | 'registering' | 'connecting' | 'connected' | 'disconnected' | 'refused' | 'stopped';

/** What GET /api/cluster/status shows about the link to the root. */
export interface RootLinkStatus {
  phase: RootLinkPhase;
  cluster_id: string | null;
  root_url: string;
  registered: boolean;
  connected_since: string | null;
  last_report_at: string | null;
  last_error: string | null;
  /** Sessions established since the process started (1 = never reconnected). */
  sessions: number;
  next_attempt_in_ms: number | null;
}

/** In-memory state of the root link, written by RootSessionService only. */
@Injectable()
export class RootLinkState {
  private status: RootLinkStatus = {
    phase: 'starting',
    cluster_id: null,
    root_url: '',
    registered: false,
    connected_since: null,
    last_report_at: null,
    last_error: null,
    sessions: 0,
    next_attempt_in_ms: null,
  };

  snapshot(): RootLinkStatus {
    return { ...this.status };
  }

  update(change: Partial<RootLinkStatus>): void {
    this.status = { ...this.status, ...change };
  }

  get connected(): boolean {
    return this.status.phase === 'connected';
  }
}
