import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * Collection `net_peers_state`: one document per published list kind (`_id: "peers"` for tunnel
 * peer lists, `"services"` for service tables) holding the last revision handed out. Persisted so
 * revisions never go backwards across restarts.
 */
@Schema({ collection: 'net_peers_state', versionKey: false })
export class NetPeersStateRecord {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Number, required: true })
  revision!: number;
}

export const NetPeersStateSchema = SchemaFactory.createForClass(NetPeersStateRecord);
