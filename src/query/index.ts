export * from "./constraints";
export * from "./dates";
export * from "./period";
export * from "./query";
