package org.tend.bench.helpers;

public interface ThingInterface {

    String doSomething(String input);
}
