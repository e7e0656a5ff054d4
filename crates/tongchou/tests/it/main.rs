//! Tongchou integration tests: the real server on a random port, acting as the real roles over
//! HTTP, on SQLite and (when TONGCHOU_TEST_PG is set) PostgreSQL.
mod board;
mod browser;
mod declaration;
mod demand;
mod evaluation;
mod exports;
mod http;
mod market;
mod market_funds;
mod market_polish;
mod money;
mod notify;
mod opendata;
mod operation;
mod profiles;
mod rounds;
mod similar;
mod store;
mod support;
mod tables;
mod webdriver;
