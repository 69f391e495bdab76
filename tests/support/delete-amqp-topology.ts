import amqp from 'amqplib';

/** Deletes what the AMQP transport declared for `namespace` and the `tally` consumer of the scenarios. */
export async function deleteAmqpTopology(url: string, namespace: string): Promise<void> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  for (const queue of ['tally', 'tally.dead']) await channel.deleteQueue(`${namespace}.events.${queue}`);
  await channel.deleteExchange(`${namespace}.events`);
  await channel.deleteExchange(`${namespace}.events.dead-letters`);
  await connection.close();
}
