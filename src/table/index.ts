export * from "./columns";
export * from "./quantity";
export * from "./read-csv";
export * from "./usage-table";
