import type { CommandRunner } from './command.runner';
import type { NetManagerConfig } from './net-manager.config';

const CHAIN = 'DOCKER-USER';

/** The tag in the iptables comment of our rules. */
export function dockerForwardComment(config: NetManagerConfig): string {
  return `${config.linkAlias}:${config.bridge}`;
}

/**
 * Our two rules in Docker's DOCKER-USER chain: accept everything into and out of the bridge.
 * Docker sets the iptables FORWARD policy to DROP, and a drop in any base chain is final in
 * netfilter, so our own nftables table cannot allow bridge↔tunnel forwarding by itself.
 * DOCKER-USER is the chain Docker reserves for exactly this and never flushes. Pure.
 */
export function dockerForwardRules(config: NetManagerConfig): string[][] {
  const tag = ['-m', 'comment', '--comment', dockerForwardComment(config), '-j', 'ACCEPT'];
  return [
    ['-i', config.bridge, ...tag],
    ['-o', config.bridge, ...tag],
  ];
}

/** Managed through `iptables` so they land in whichever backend (nft or legacy) Docker uses. */
export class DockerForwardRules {
  constructor(
    private readonly runner: CommandRunner,
    private readonly config: NetManagerConfig,
  ) {}

  private async iptables(args: string[]): Promise<number> {
    try {
      return (await this.runner.run(['iptables', '-w', ...args], { check: false })).code;
    } catch {
      return 127; // no iptables at all: no Docker rules to cooperate with either
    }
  }

  async chainExists(): Promise<boolean> {
    return (await this.iptables(['-S', CHAIN])) === 0;
  }

  async ensure(): Promise<string[]> {
    if (this.config.dockerForward === 'off') return this.remove();
    if (!(await this.chainExists())) {
      if (this.config.dockerForward === 'on')
        throw new Error(`iptables chain ${CHAIN} does not exist (is Docker running?)`);
      return [];
    }
    const changes: string[] = [];
    for (const rule of dockerForwardRules(this.config)) {
      if ((await this.iptables(['-C', CHAIN, ...rule])) === 0) continue;
      const code = await this.iptables(['-I', CHAIN, '1', ...rule]);
      if (code !== 0)
        throw new Error(`cannot insert ${rule.join(' ')} into ${CHAIN} (exit ${code})`);
      changes.push(`${CHAIN}: accept ${rule.slice(0, 2).join(' ')}`);
    }
    return changes;
  }

  async remove(): Promise<string[]> {
    const changes: string[] = [];
    for (const rule of dockerForwardRules(this.config)) {
      // -D removes one copy per call; a crash between -C and -I could have left two.
      for (let i = 0; i < 10 && (await this.iptables(['-D', CHAIN, ...rule])) === 0; i++) {
        changes.push(`${CHAIN}: removed ${rule.slice(0, 2).join(' ')}`);
      }
    }
    return changes;
  }

  /** How many of our rules are in the chain (inventory, tests). */
  async count(): Promise<number> {
    const result = await this.runner
      .run(['iptables', '-w', '-S', CHAIN], { check: false })
      .catch(() => undefined);
    if (!result || result.code !== 0) return 0;
    const tag = dockerForwardComment(this.config);
    return result.stdout.split('\n').filter((line) => line.includes(tag)).length;
  }
}
