/**
 * Topic routes from name servers and the queues clients derive from them
 * (protocol/REMOTING.md 8.1): publish queues from writable queue data whose broker has a
 * master, subscribe queues from readable queue data, both sorted by broker name.
 */
import { parseLenientJson } from '../../remoting/index.ts';

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId -> "host:port"; id 0 is the master. */
  brokerAddrs: Record<string, string>;
}

export interface TopicRoute {
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  orderTopicConf?: string;
}

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

const PERM_READ = 4;
const PERM_WRITE = 2;

export function parseRoute(text: string): TopicRoute {
  const raw = parseLenientJson(text) as Partial<TopicRoute>;
  const queueDatas = Array.isArray(raw.queueDatas) ? raw.queueDatas : [];
  const brokerDatas = Array.isArray(raw.brokerDatas) ? raw.brokerDatas : [];
  return {
    queueDatas: queueDatas.map((q) => ({
      brokerName: String(q.brokerName),
      readQueueNums: Number(q.readQueueNums) || 0,
      writeQueueNums: Number(q.writeQueueNums) || 0,
      perm: Number(q.perm) || 0,
      topicSysFlag: Number(q.topicSysFlag) || 0,
    })),
    brokerDatas: brokerDatas.map((b) => ({
      cluster: String(b.cluster),
      brokerName: String(b.brokerName),
      brokerAddrs: Object.fromEntries(
        Object.entries(b.brokerAddrs ?? {}).map(([id, address]) => [id, String(address)]),
      ),
    })),
    ...(typeof raw.orderTopicConf === 'string' && raw.orderTopicConf
      ? { orderTopicConf: raw.orderTopicConf }
      : {}),
  };
}

export function masterAddress(route: TopicRoute, brokerName: string): string | undefined {
  return route.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs['0'];
}

export function compareQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

export function publishQueues(topic: string, route: TopicRoute): MessageQueue[] {
  const queues: MessageQueue[] = [];
  if (route.orderTopicConf) {
    for (const entry of route.orderTopicConf.split(';')) {
      const [brokerName, count] = entry.split(':');
      if (!brokerName) continue;
      for (let q = 0; q < Number(count); q++) queues.push({ topic, brokerName, queueId: q });
    }
    return queues;
  }
  const datas = [...route.queueDatas].sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
  );
  for (const data of datas) {
    if ((data.perm & PERM_WRITE) === 0 || !masterAddress(route, data.brokerName)) continue;
    for (let q = 0; q < data.writeQueueNums; q++)
      queues.push({ topic, brokerName: data.brokerName, queueId: q });
  }
  return queues;
}

export function subscribeQueues(topic: string, route: TopicRoute): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const data of route.queueDatas) {
    if ((data.perm & PERM_READ) === 0) continue;
    for (let q = 0; q < data.readQueueNums; q++)
      queues.push({ topic, brokerName: data.brokerName, queueId: q });
  }
  return queues.sort(compareQueues);
}

export function queueKey(queue: MessageQueue): string {
  return `${queue.topic}\u0000${queue.brokerName}\u0000${queue.queueId}`;
}
