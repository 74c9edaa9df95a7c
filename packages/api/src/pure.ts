/**
 * The rules the dashboard runs itself, so that it shows what the server will answer (the web's
 * only runtime import from the packages; everything else it takes from the API is types).
 */
export { type MarkQuote, markToMarket } from "@tradedesk/core/pure";
