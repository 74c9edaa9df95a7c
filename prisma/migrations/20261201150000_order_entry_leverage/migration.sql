-- The leverage the desk set for an entry's symbol (what the exchange confirmed), kept with the
-- entry: a resting LIMIT entry that fills later is reported by the exchange without its leverage,
-- and its position is opened at this one. Nullable: only entries carry it, and older rows have
-- none. On the partitioned orders table the column reaches every partition.
ALTER TABLE "orders" ADD COLUMN "leverage" INTEGER;
