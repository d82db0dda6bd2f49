/** A SUCCESS response carrying a body: the shape most admin answers take. */
import type { RemotingCommand } from '../../remoting/index.ts';
import { createResponse, ResponseCode } from '../../remoting/index.ts';

export function bodyResponse(request: RemotingCommand, body: string | Buffer): RemotingCommand {
  return createResponse(
    request,
    ResponseCode.SUCCESS,
    undefined,
    undefined,
    typeof body === 'string' ? Buffer.from(body) : body,
  );
}
