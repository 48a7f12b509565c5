/** @nestjs/cqrs's side of the in-process send suite: CommandBus.execute inside a Nest application context. */
import 'reflect-metadata'; // Nest's DI reads decorator metadata through it; it must load before any decorator runs
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import type { Sender } from '../../harness.js';
import { type OrderFields, type Placed, SAMPLE_ORDER } from '../order.js';

/** The suite's command as a Nest CQRS command; `Command<Placed>` types `execute`'s result. */
export class NestCreateOrder extends Command<Placed> implements OrderFields {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly sku: string,
    readonly qty: number,
    readonly price: number,
  ) {
    super();
  }
}

/** The trivial handler, registered as a Nest provider. */
@CommandHandler(NestCreateOrder)
export class NestCreateOrderHandler implements ICommandHandler<NestCreateOrder> {
  async execute(command: NestCreateOrder): Promise<Placed> {
    return { orderId: command.orderId, total: command.qty * command.price };
  }
}

@Module({ imports: [CqrsModule.forRoot()], providers: [NestCreateOrderHandler] })
class BenchCqrsModule {}

/** Boots a Nest application context (no logger) and returns a sender over its CommandBus; `close()` shuts it down. */
export async function setup(): Promise<Sender<Placed>> {
  const app = await NestFactory.createApplicationContext(BenchCqrsModule, { logger: false });
  const commandBus = app.get(CommandBus);
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const command = new NestCreateOrder(orderId, customerId, sku, qty, price);
  return {
    send: () => commandBus.execute(command),
    close: () => app.close(),
  };
}
