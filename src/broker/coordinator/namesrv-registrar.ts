/**
 * Registration with every name server (protocol/REMOTING.md 10): at start, every
 * registerNameServerPeriod, and soon after any topic change, in parallel with a 6 s timeout
 * each; unregistration at shutdown.
 */
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import type { RemotingClient } from '../../remoting/index.ts';
import { createRequest, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { TopicConfigManager } from '../metadata/topic-config-manager.ts';

const REGISTER_TIMEOUT_MS = 6000;
const CHANGE_DEBOUNCE_MS = 50;
const READ_WRITE = 6;

export interface RegistrarOptions {
  client: RemotingClient;
  nameServers: string[];
  topics: TopicConfigManager;
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddress: string;
  haServerAddress: string;
  periodMs: number;
  /** The broker's current brokerPermission (it can change at run time). */
  permission: () => number;
  logger: Logger;
}

export class NameServerRegistrar {
  private readonly options: RegistrarOptions;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private pendingRun: Promise<void> | undefined;
  private settlePending: (() => void) | undefined;
  private stopped = false;
  /** The master's host:haListenPort, from the name servers' last answer (a slave's). */
  masterHaAddress: string | undefined;
  /** The master's client address, from the same answer. */
  masterAddress: string | undefined;

  constructor(options: RegistrarOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    await this.registerAll();
    this.timer = setInterval(() => void this.registerAll(), this.options.periodMs).unref();
  }

  /**
   * Re-registers shortly, coalescing bursts of topic changes into one registration; settles
   * when that registration has been answered (or failed, or the registrar stopped).
   */
  registerSoon(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.pendingRun ??= new Promise<void>((resolve) => {
      this.settlePending = resolve;
      this.pending = setTimeout(() => {
        this.pending = undefined;
        this.pendingRun = undefined;
        this.settlePending = undefined;
        void this.registerAll().finally(resolve);
      }, CHANGE_DEBOUNCE_MS);
    });
    return this.pendingRun;
  }

  async registerAll(): Promise<void> {
    if (this.stopped) return;
    const { topics, nameServers } = this.options;
    const wrapper = topics.serialize();
    const permission = this.options.permission();
    // A broker that stopped reading or writing advertises that on every topic, as RocketMQ
    // does, so clients route around it.
    if ((permission & READ_WRITE) !== READ_WRITE)
      for (const [name, config] of Object.entries(wrapper.topicConfigTable))
        wrapper.topicConfigTable[name] = { ...config, perm: permission };
    const body = Buffer.from(
      JSON.stringify({ filterServerList: [], topicConfigSerializeWrapper: wrapper }),
    );
    const extFields = {
      brokerName: this.options.brokerName,
      brokerAddr: this.options.brokerAddress,
      clusterName: this.options.clusterName,
      haServerAddr: this.options.haServerAddress,
      brokerId: String(this.options.brokerId),
      compressed: 'false',
      bodyCrc32: String(crc32(body) | 0),
    };
    await Promise.all(
      nameServers.map(async (address) => {
        try {
          const response = await this.options.client.invoke(
            address,
            createRequest(RequestCode.REGISTER_BROKER, extFields, body),
            REGISTER_TIMEOUT_MS,
          );
          if (response.code === ResponseCode.SUCCESS) {
            const fields = response.extFields ?? {};
            this.masterHaAddress = fields['haServerAddr'] || undefined;
            this.masterAddress = fields['masterAddr'] || undefined;
          } else {
            this.options.logger.warn(
              { address, code: response.code, remark: response.remark },
              'name server refused registration',
            );
          }
        } catch (error) {
          this.options.logger.warn(
            { address, err: (error as Error).message },
            'registration with name server failed',
          );
        }
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.settlePending?.();
    const extFields = {
      brokerName: this.options.brokerName,
      brokerAddr: this.options.brokerAddress,
      clusterName: this.options.clusterName,
      brokerId: String(this.options.brokerId),
    };
    await Promise.all(
      this.options.nameServers.map((address) =>
        this.options.client
          .invoke(address, createRequest(RequestCode.UNREGISTER_BROKER, extFields), 3000)
          .catch(() => undefined),
      ),
    );
  }
}
