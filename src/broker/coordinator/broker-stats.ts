/** Counters the admin requests and the runtime info report. */
export class BrokerStats {
  putMessages = 0;
  putBytes = 0;
  getMessagesFound = 0;
  getMisses = 0;
  getTransferredMessages = 0;
}
