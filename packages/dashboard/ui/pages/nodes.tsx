/** The schedulers sharing the store, with their heartbeats. */
import { useContext } from 'preact/hooks';
import type { NodeInfo } from '../api.js';
import { absolute, relative } from '../format.js';
import { useNow, useResource } from '../live.js';
import { MetaContext } from '../meta.js';
import { ErrorNotice, Loading } from '../components/notices.js';

/** A table of the nodes: alive or not, and when each was last seen. */
export function NodesPage() {
  const meta = useContext(MetaContext);
  const now = useNow();
  const { data, error } = useResource<{ nodes: NodeInfo[] }>('api/nodes', 10_000);
  const zone = meta?.timezone ?? 'UTC';
  return (
    <section aria-labelledby="nodes-title">
      <h1 id="nodes-title">Nodes</h1>
      {error !== null && <ErrorNotice>{error}</ErrorNotice>}
      {data === null ? (
        error === null && <Loading />
      ) : (
        <div class="table-wrap">
          <table>
            <caption>The schedulers sharing the job stores, times in {zone}</caption>
            <thead>
              <tr>
                <th scope="col">Scheduler</th>
                <th scope="col">Status</th>
                <th scope="col">Host</th>
                <th scope="col">PID</th>
                <th scope="col">Started</th>
                <th scope="col">Last seen</th>
                <th scope="col">Store</th>
              </tr>
            </thead>
            <tbody>
              {data.nodes.length === 0 && (
                <tr>
                  <td colSpan={7} class="muted">
                    No scheduler has registered with the stores.
                  </td>
                </tr>
              )}
              {data.nodes.map((node) => (
                <tr key={`${node.jobstore}/${node.id}`}>
                  <th scope="row">
                    {node.id}
                    {meta?.schedulerId === node.id && (
                      <span class="muted small">
                        {meta.state === 'paused'
                          ? ' (this one, paused: it runs only Run now)'
                          : ' (this one)'}
                      </span>
                    )}
                  </th>
                  <td>
                    <span class={`badge ${node.alive ? 'outcome-executed' : 'outcome-error'}`}>
                      {node.alive ? 'alive' : 'gone'}
                    </span>
                  </td>
                  <td>{node.host}</td>
                  <td class="num">{node.pid}</td>
                  <td>{absolute(node.startedAt, zone)}</td>
                  <td>{relative(node.lastSeen, now)}</td>
                  <td>{node.jobstore}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
