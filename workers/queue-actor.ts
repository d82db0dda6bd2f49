// A queue actor thread: owns store shards (src/broker/actor/actor-main.ts). Started by
// src/broker/worker-entry.ts.
import '../src/broker/actor/actor-main.ts';
